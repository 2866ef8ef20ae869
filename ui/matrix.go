package ui

func newMatrixScreen(c *Common) Screen { return &placeholder{c: c, name: "matrix"} }
