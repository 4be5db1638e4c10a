"""The Flo plugin: the `tensflo flo` commands and the `beam` runner."""
