package ui

func newFindings(c *Common) Screen { return &placeholder{c: c, name: "findings"} }
