"""Form helpers shared by the blueprints: fields, choices, errors and the storable base."""
