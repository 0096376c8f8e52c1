"""The read-only web view of the situational picture (issue 20), served on the intake's
aiohttp server under a path prefix. An adapter like the intake: the domain never imports it.
"""
