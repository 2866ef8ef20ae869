package ui

func newApply(c *Common) Screen { return &placeholder{c: c, name: "apply"} }
