// The Scenario layer; see docs/.
