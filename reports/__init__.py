"""What people read, built from the marts: the weekly report and the exports (issue 14).
Sits above transformations and below flows."""
