package ui

func newPlan(c *Common) Screen { return &placeholder{c: c, name: "plan"} }
