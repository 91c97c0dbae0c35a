"""The problem: what is searched, how a design point is composed, and how it is judged.

The search space a user writes (`space`), its parameters (`design_space`), the objectives
(`objectives`), the kinds (`kinds`), the space compiled once (`compiled`), composing a design from
a network and a hardware point (`compose`), and the analyses of a design that need no study
(`paper_check`, `rtl_design`). May import: `trainer`, `hwmodel`, `codesign.errors`,
`codesign.outputs`; never the engine, the screen or the commands.
"""
