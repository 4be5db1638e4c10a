"""Loop IR: the imperative functions that frontends produce from C++ and Python source."""
