"""The live path: each vehicle's latest state beside the lake, an API over it, a live map."""
