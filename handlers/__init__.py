"""Inbound adapters: parse a request, call one service, render the reply."""
