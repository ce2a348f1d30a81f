"""The websocket server: thin glue between sockets, the wire codec and sessions."""
