// The Report layer; see docs/.
