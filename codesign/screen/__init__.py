"""The screen: what a person reads and looks at, tables, numbers and figures.

`present` is the one module that shapes every table and line the commands show; `plots` and
`breakdown_plot` draw figures. Library code never prints: only the commands hand this part's
output to the terminal. May import: the problem, the engine, `codesign.errors`,
`codesign.outputs`; never the commands.
"""
