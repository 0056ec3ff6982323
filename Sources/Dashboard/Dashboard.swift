// The Dashboard layer; see docs/.
