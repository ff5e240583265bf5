"""Recipes: build data, train, evaluate, export, benchmark."""
