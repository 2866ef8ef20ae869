package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// Okta users and app assignments, as step A (federating a domain) needs
// them: users for the domain's mailboxes are created and assigned the
// Office 365 app; the undo deactivates and deletes them.
//
//   POST   /api/v1/users?activate=true           {"profile":{login,email,firstName,lastName}} → 200 user, status PROVISIONED
//                                                  (activate without credentials: Okta mails an activation link)
//   POST   /api/v1/users/{id}/lifecycle/deactivate → 200 {} ; status DEPROVISIONED
//   DELETE /api/v1/users/{id}                     → 204; a user not yet DEPROVISIONED is deactivated
//                                                  first (Okta's two-step delete), else removed everywhere
//   POST   /api/v1/apps/{appId}/users             {"id","scope","credentials"} → 200 app user
//   DELETE /api/v1/apps/{appId}/users/{userId}    → 204
//   GET    /api/v1/apps/{appId}/credentials/keys  → the app's signing key (x5c) as a JWK list
//
// App assignments are kept under the scenario key okta.appUsers (app id →
// user ids), so /_sim/state shows them and stays a valid scenario.

func (s *Server) oktaCreateUser(w http.ResponseWriter, r *http.Request) {
	body, ok := s.oktaBody(w, r)
	if !ok {
		return
	}
	activate := r.URL.Query().Get("activate") != "false"
	s.mu.Lock()
	user, e := func() (map[string]any, *oktaWriteErr) {
		o := obj(s.sc.Doc["okta"])
		profile := obj(body["profile"])
		login, _ := profile["login"].(string)
		if strings.TrimSpace(login) == "" {
			return nil, oktaInvalidErr("login", "login: The field cannot be left blank")
		}
		for _, u := range list(o["users"]) {
			if strings.EqualFold(str(obj(obj(u)["profile"])["login"]), login) {
				return nil, oktaInvalidErr("login", "login: An object with this field already exists in the current organization")
			}
		}
		now := oktaTime(s.Now())
		status := "STAGED"
		if activate {
			status = "PROVISIONED"
		}
		u := map[string]any{
			"id": oktaNewID("00u"), "status": status, "created": now, "activated": nil, "statusChanged": now,
			"lastLogin": nil, "lastUpdated": now, "passwordChanged": nil, "type": map[string]any{"id": "oty1sim"},
			"profile": obj(clone(profile)),
		}
		if activate {
			u["activated"] = now
		}
		o["users"] = append(list(o["users"]), u)
		id := str(u["id"])
		factors := obj(o["factors"])
		if factors == nil {
			factors = map[string]any{}
			o["factors"] = factors
		}
		factors[id] = []any{}
		// Okta puts every user in the BUILT_IN Everyone group.
		gu := obj(o["groupUsers"])
		for _, g := range list(o["groups"]) {
			if str(obj(g)["type"]) == "BUILT_IN" && gu != nil {
				gid := str(obj(g)["id"])
				gu[gid] = append(list(gu[gid]), id)
			}
		}
		return obj(clone(u)), nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusOK, user, e)
}

// oktaUserIndex finds a user by id or login (under s.mu).
func oktaUserIndex(o map[string]any, idOrLogin string) int {
	for i, u := range list(o["users"]) {
		m := obj(u)
		if str(m["id"]) == idOrLogin || strings.EqualFold(str(obj(m["profile"])["login"]), idOrLogin) {
			return i
		}
	}
	return -1
}

func (s *Server) oktaDeactivateUser(w http.ResponseWriter, r *http.Request, uid string) {
	s.mu.Lock()
	o := obj(s.sc.Doc["okta"])
	i := oktaUserIndex(o, uid)
	if i >= 0 {
		u := obj(list(o["users"])[i])
		now := oktaTime(s.Now())
		u["status"], u["statusChanged"], u["lastUpdated"] = "DEPROVISIONED", now, now
	}
	s.mu.Unlock()
	if i < 0 {
		s.oktaWriteError(w, r, oktaNotFoundErr(uid, "User"))
		return
	}
	s.oktaJSON(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) oktaDeleteUser(w http.ResponseWriter, r *http.Request, uid string) {
	s.mu.Lock()
	o := obj(s.sc.Doc["okta"])
	i := oktaUserIndex(o, uid)
	if i >= 0 {
		users := list(o["users"])
		u := obj(users[i])
		id := str(u["id"])
		if str(u["status"]) != "DEPROVISIONED" {
			now := oktaTime(s.Now())
			u["status"], u["statusChanged"], u["lastUpdated"] = "DEPROVISIONED", now, now
		} else {
			o["users"] = slices.Delete(slices.Clone(users), i, i+1)
			delete(obj(o["factors"]), id)
			for k, v := range obj(o["groupUsers"]) {
				obj(o["groupUsers"])[k] = slices.DeleteFunc(slices.Clone(list(v)), func(x any) bool { return str(x) == id })
			}
			au := obj(o["appUsers"])
			for k, v := range au {
				if rest := slices.DeleteFunc(slices.Clone(list(v)), func(x any) bool { return str(x) == id }); len(rest) > 0 {
					au[k] = rest
				} else {
					delete(au, k)
				}
			}
			if au != nil && len(au) == 0 {
				delete(o, "appUsers")
			}
		}
	}
	s.mu.Unlock()
	if i < 0 {
		s.oktaWriteError(w, r, oktaNotFoundErr(uid, "User"))
		return
	}
	s.oktaNoContent(w, r)
}

func oktaAppExists(o map[string]any, appID string) bool {
	for _, a := range list(o["apps"]) {
		if str(obj(a)["id"]) == appID {
			return true
		}
	}
	return false
}

func (s *Server) oktaAssignApp(w http.ResponseWriter, r *http.Request, appID string) {
	body, ok := s.oktaBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	appUser, e := func() (map[string]any, *oktaWriteErr) {
		o := obj(s.sc.Doc["okta"])
		if !oktaAppExists(o, appID) {
			return nil, oktaNotFoundErr(appID, "AppInstance")
		}
		uid, _ := body["id"].(string)
		i := oktaUserIndex(o, uid)
		if i < 0 {
			return nil, oktaNotFoundErr(uid, "User")
		}
		id := str(obj(list(o["users"])[i])["id"])
		au := obj(o["appUsers"])
		if au == nil {
			au = map[string]any{}
			o["appUsers"] = au
		}
		if !slices.ContainsFunc(list(au[appID]), func(x any) bool { return str(x) == id }) {
			au[appID] = append(list(au[appID]), id)
		}
		now := oktaTime(s.Now())
		scope, _ := body["scope"].(string)
		if scope == "" {
			scope = "USER"
		}
		return map[string]any{"id": id, "scope": scope, "status": "PROVISIONED", "created": now, "lastUpdated": now,
			"credentials": clone(body["credentials"]), "profile": map[string]any{}}, nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusOK, appUser, e)
}

func (s *Server) oktaUnassignApp(w http.ResponseWriter, r *http.Request, appID, uid string) {
	s.mu.Lock()
	e := func() *oktaWriteErr {
		o := obj(s.sc.Doc["okta"])
		if !oktaAppExists(o, appID) {
			return oktaNotFoundErr(appID, "AppInstance")
		}
		au := obj(o["appUsers"])
		users := list(au[appID])
		j := slices.IndexFunc(users, func(x any) bool { return str(x) == uid })
		if j < 0 {
			return oktaNotFoundErr(uid, "AppUser")
		}
		au[appID] = slices.Delete(slices.Clone(users), j, j+1)
		// Tidy up, so that assigning and unassigning leaves the scenario as
		// it was.
		if len(list(au[appID])) == 0 {
			delete(au, appID)
		}
		if len(au) == 0 {
			delete(o, "appUsers")
		}
		return nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusNoContent, nil, e)
}

// oktaAppKeys answers the app's signing keys. The certificate is the one
// the scenario's federations already trust (an org has one Office 365
// signing key); without one, a stable stand-in derived from the app id.
func (s *Server) oktaAppKeys(w http.ResponseWriter, r *http.Request, appID string) {
	s.mu.Lock()
	o := obj(s.sc.Doc["okta"])
	found := oktaAppExists(o, appID)
	cert := ""
	feds := obj(obj(s.sc.Doc["graph"])["federationConfiguration"])
	for _, k := range sortedKeys(feds) {
		for _, f := range list(feds[k]) {
			if c := str(obj(f)["signingCertificate"]); c != "" && cert == "" {
				cert = c
			}
		}
	}
	s.mu.Unlock()
	if !found {
		s.oktaWriteError(w, r, oktaNotFoundErr(appID, "AppInstance"))
		return
	}
	sum := sha256.Sum256([]byte(appID))
	if cert == "" {
		cert = "MIIC-SIM-" + base64.RawStdEncoding.EncodeToString(sum[:12])
	}
	kid := base64.RawURLEncoding.EncodeToString(sum[:16])
	s.oktaJSON(w, r, http.StatusOK, []any{map[string]any{
		"kty": "RSA", "use": "sig", "kid": kid, "created": "2018-01-01T00:00:00.000Z", "lastUpdated": "2018-01-01T00:00:00.000Z",
		"expiresAt": "2028-01-01T00:00:00.000Z", "x5c": []any{cert}, "x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:]),
	}})
}
