"""A local web app for evaluation staff (``mentorassess serve``): a second face on the same API.

:mod:`~mentorassess.web.app` holds the routes and views, :mod:`~mentorassess.web.forms` turns
forms into settings and mapping files, :mod:`~mentorassess.web.workspace` keeps every file under
the workspace folder, :mod:`~mentorassess.web.runs` runs programs in the background, one at a time
per program, :mod:`~mentorassess.web.security` guards the server, and
:mod:`~mentorassess.web.services` is the one module that calls the rest of mentorassess.
"""
