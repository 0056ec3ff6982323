// The Scenario layer: YAML scenario files -> validated `Scenario` values.
// Model.swift holds the types, Loader.swift the entry points; see docs/scenario-format.md.
