"""The weight-file syntax that more than one stage reads: durations (`90d`, `6M`) and the
`sources:` / `compute:` models.

It sits below both `healthscore.weights` (which embeds these models in a `WeightFile`) and
`healthscore.signals` (which executes them), and imports neither, so the dependencies point
one way: spec ← weights ← engine, spec ← signals.
"""
