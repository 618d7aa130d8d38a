"""The robustness suite: bad inputs of every kind, generated in temporary folders."""
