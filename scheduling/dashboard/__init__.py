"""The manager's dashboard: aggregate reads over the clinic, one module per group of measures.

Every measure takes a `Filters` (dates, provider, room, procedure, payer) and returns a
`Table`: the rows a chart draws, the table beside it shows and the CSV export writes, with
the sentence that says how it is counted. The pages only lay them out.
"""
