"""The course runner: the book's exercises as something a learner attempts, checks and earns.

One idea per module: `book` (the content tree and its map), `answers` (checking typed answers),
`store` (progress), `labrun` (running checks on learner code), `render` (terminal output),
`workspace` (the learner's files), `coderefs` (solutions quoting the library), `integrity`
(validating the content). Nothing here is imported by `import zero2hero`; the CLI imports what
each command needs, when it needs it.
"""
