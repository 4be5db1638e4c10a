"""The Gemmini target: program IR, ISA emulator with a cycle model, C emission and schedule search."""
