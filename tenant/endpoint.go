package tenant

// EndpointProbe is what one mail endpoint (host:port) offered when probed.
type EndpointProbe struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}
