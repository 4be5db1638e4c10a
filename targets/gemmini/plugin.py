"""The Gemmini plugin: registers the `gemmini` target and the `tensflo gemmini` commands."""
