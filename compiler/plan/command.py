"""`tensflo plan`: choose devices for lifted kernels (registered through `tensflo_register_commands`)."""
