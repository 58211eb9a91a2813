extensions = ["iiprules.sphinxext"]
project = "iip test"
exclude_patterns = ["_build"]
