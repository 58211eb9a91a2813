"""The syntax stage's insides; ``iiprules.syntax`` is its public face.

``build`` turns a Lark tree into the model, ``trivia`` finds what the grammar
ignores (comments, blank lines), ``printer`` writes the model back as text.
Nothing outside ``iiprules.syntax`` should import from here.
"""
