"""chibo: a chat bot that helps party cells (chi bộ) run their monthly meetings."""
