"""Reading a forum press release into a proposal of forum figures and draft agreements (issue #12)."""
