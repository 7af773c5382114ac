"""Units: the tree of administrative bodies that receive and answer items."""
