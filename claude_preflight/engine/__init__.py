"""The engine: resolves a request's context once, selects the rules that can apply, runs them."""
