package tenant

// MailDomainDNS is what DNS says about one mail domain.
type MailDomainDNS struct {
	Domain string `json:"domain"`
}
