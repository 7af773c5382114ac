"""Built-in plugins: each a package of its own that meets the core and the others only through hooks.

The core never imports these packages: ``feedback.pluginmanager`` names them as dotted strings.
"""
