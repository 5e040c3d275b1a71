"""Front-ends: each parses its kinds into the shared result type of kfedgen.decisions."""
