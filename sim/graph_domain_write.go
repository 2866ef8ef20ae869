package sim

import (
	"fmt"
	"net/http"
	"strings"
)

// PATCH /domains/{id}: the domain's own properties. Setting
// authenticationType to Managed on a federated domain converts it: the
// federation configuration goes (the undo of federating a domain).
// Setting Federated is refused: federation is created through
// POST /domains/{id}/federationConfiguration. isDefault true makes the
// domain the default (only one is). 204 as Graph answers.
func (s *Server) graphPatchDomain(w http.ResponseWriter, r *http.Request, domainID string) {
	body, ok := s.graphBody(w, r)
	if !ok {
		return
	}
	for k, v := range body {
		switch k {
		case "authenticationType":
			if t := str(v); t != "Managed" && t != "Federated" {
				s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid value specified for property 'authenticationType' of resource 'Domain': %q.", t))
				return
			}
		case "isDefault":
			if _, isBool := v.(bool); !isBool {
				s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Cannot convert the literal to the expected type 'Edm.Boolean'.")
				return
			}
		default:
			if !strings.HasPrefix(k, "@odata.") {
				s.graphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.domain'. Make sure to only use property names that are defined by the type.", k))
				return
			}
		}
	}
	s.mu.Lock()
	g := s.graphLive()
	d := graphLiveDomain(g, domainID)
	if d == nil {
		s.mu.Unlock()
		s.graphMissing(w, r, domainID)
		return
	}
	if t, has := body["authenticationType"]; has {
		switch {
		case str(t) == "Federated" && str(d["authenticationType"]) != "Federated":
			s.mu.Unlock()
			s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "To federate a domain, create its federationConfiguration.")
			return
		case str(t) == "Managed":
			key, _ := graphLiveFederations(g, str(d["id"]))
			if key != "" {
				delete(obj(g["federationConfiguration"]), key)
			}
			graphSetAuthType(g, d, "Managed")
		}
	}
	if v, has := body["isDefault"]; has && v == true {
		for _, o := range list(g["domains"]) {
			obj(o)["isDefault"] = false
		}
		d["isDefault"] = true
	}
	s.mu.Unlock()
	s.graphNoContent(w, r)
}
