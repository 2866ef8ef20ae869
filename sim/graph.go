package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Microsoft Graph v1.0 and beta, the read side of what harden365 collects,
// served from the scenario's "graph" section in Graph's own shapes:
// $select, $top and $skiptoken paging on absolute nextLinks, $filter on
// sign-ins, "@odata.context" on every response and Graph's error body.
// Query options are accepted with or without their "$" (as v1.0 does) and
// in any case; path segments are matched case-insensitively.

const (
	graphUsersDefaultPage   = 100
	graphUsersMaxPage       = 999
	graphSignInsDefaultPage = 1000
	graphSignInsMaxPage     = 1000
	graphReportsDefaultPage = 200
	graphReportsMaxPage     = 1000 // beta reports honour $top; their maximum is [unconfirmed]

	// graphDownloadPrefix is where the v1.0 reports' 302 points: a
	// pre-authenticated download URL that needs no Authorization header.
	graphDownloadPrefix = "/v1.0/_reportDownload/"

	graphContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)

// The properties v1.0 returns for a user when no $select is given.
var graphUserDefaultProps = []string{
	"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
	"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
}

// graphAuth accepts any non-empty bearer token; without one it answers as
// Graph does.
func (s *Server) graphAuth(w http.ResponseWriter, r *http.Request) bool {
	if bearer(r, "Bearer") != "" || strings.HasPrefix(r.URL.Path, graphDownloadPrefix) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	s.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
	return false
}

func (s *Server) graphHandler() http.Handler { return http.HandlerFunc(s.graph) }

func (s *Server) graph(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, graphDownloadPrefix) {
		s.graphReportDownload(w, r, strings.TrimPrefix(r.URL.Path, graphDownloadPrefix))
		return
	}
	version, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if version != "v1.0" && version != "beta" {
		s.graphNotFound(w, r, version)
		return
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	low := make([]string, len(segs))
	for i, seg := range segs {
		low[i] = strings.ToLower(seg)
	}
	route := strings.Join(low, "/")

	// Writes: graph_write.go (anything it does not serve falls through to
	// the 405 / 404 below).
	if r.Method != http.MethodGet && s.graphWrite(w, r, version, segs, low) {
		return
	}

	var h func(http.ResponseWriter, *http.Request, string, []string)
	switch {
	case route == "organization":
		h = s.graphOrganization
	case route == "domains":
		h = s.graphDomains
	case len(segs) == 2 && low[0] == "domains":
		h = s.graphDomain
	case len(segs) == 3 && low[0] == "domains" && low[2] == "federationconfiguration":
		h = s.graphFederation
	case route == "users":
		h = s.graphUsers
	case len(segs) == 2 && low[0] == "users":
		h = s.graphUser
	case route == "auditlogs/signins":
		h = s.graphSignIns
	case route == "identity/conditionalaccess/policies":
		h = s.graphCAPolicies
	case len(segs) == 4 && strings.HasPrefix(route, "identity/conditionalaccess/policies/"):
		h = s.graphCAPolicy
	case route == "policies/identitysecuritydefaultsenforcementpolicy":
		h = s.graphSecurityDefaults
	case len(segs) == 2 && low[0] == "reports":
		h = s.graphReport
	default:
		s.graphNotFound(w, r, firstUnknownSegment(segs))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.graphError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed",
			fmt.Sprintf("The simulator does not support %s on /%s yet.", r.Method, rest))
		return
	}
	h(w, r, version, segs)
}

func firstUnknownSegment(segs []string) string {
	known := map[string]bool{"auditlogs": true, "identity": true, "conditionalaccess": true, "policies": true, "reports": true}
	for _, seg := range segs {
		if !known[strings.ToLower(seg)] {
			return seg
		}
	}
	return segs[len(segs)-1]
}

// graphSection returns a deep copy of graph.<key> from the scenario.
func (s *Server) graphSection(key string) any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return clone(obj(s.sc.Doc["graph"])[key])
}

// --- organization, domains, federation.

func (s *Server) graphOrganization(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	orgs := list(s.graphSection("organization"))
	if orgs == nil {
		// A tenant always has its organization object; build it from the
		// scenario's tenant and verified domains when the file has none.
		s.mu.Lock()
		t := obj(clone(s.sc.Doc["tenant"]))
		doms := list(clone(obj(s.sc.Doc["graph"])["domains"]))
		s.mu.Unlock()
		var verified []any
		for _, d := range doms {
			dm := obj(d)
			if b, _ := dm["isVerified"].(bool); !b {
				continue
			}
			verified = append(verified, map[string]any{
				"name": dm["id"], "type": dm["authenticationType"], "isDefault": dm["isDefault"],
				"isInitial": dm["isInitial"], "capabilities": "Email, OfficeCommunicationsOnline",
			})
		}
		if verified == nil {
			verified = []any{}
		}
		orgs = []any{map[string]any{"id": t["id"], "displayName": t["displayName"], "verifiedDomains": verified}}
	}
	s.graphCollection(w, r, version, "organization", orgs)
}

func (s *Server) graphDomains(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	doms := list(s.graphSection("domains"))
	s.graphCollection(w, r, version, "domains", doms)
}

func (s *Server) findDomain(id string) map[string]any {
	for _, d := range list(s.graphSection("domains")) {
		if strings.EqualFold(str(obj(d)["id"]), id) {
			return obj(d)
		}
	}
	return nil
}

func (s *Server) graphDomain(w http.ResponseWriter, r *http.Request, version string, segs []string) {
	d := s.findDomain(segs[1])
	if d == nil {
		s.graphMissing(w, r, segs[1])
		return
	}
	d["@odata.context"] = s.graphContext(r, version, "domains/$entity")
	s.graphJSON(w, r, http.StatusOK, d)
}

// graphFederation lists a domain's internalDomainFederation: a collection of
// one, or 404 when the domain is not federated.
func (s *Server) graphFederation(w http.ResponseWriter, r *http.Request, version string, segs []string) {
	d := s.findDomain(segs[1])
	if d == nil {
		s.graphMissing(w, r, segs[1])
		return
	}
	id := str(d["id"])
	var feds []any
	for name, v := range obj(s.graphSection("federationConfiguration")) {
		if strings.EqualFold(name, id) {
			feds = list(v)
		}
	}
	if !strings.EqualFold(str(d["authenticationType"]), "Federated") || len(feds) == 0 {
		s.graphMissing(w, r, id)
		return
	}
	s.graphCollection(w, r, version, "domains('"+id+"')/federationConfiguration", feds)
}

// --- users.

func (s *Server) graphUsers(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	sel := graphSelect(r)
	top, ok := graphTop(r)
	if !ok {
		s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value '"+graphQuery(r, "top")+"' for query option $top.")
		return
	}
	off, ok := parsePageToken("users", graphQuery(r, "skiptoken"))
	if !ok {
		s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid $skiptoken value.")
		return
	}
	size := s.pageSize(top, graphUsersDefaultPage, graphUsersMaxPage)
	s.mu.RLock()
	page, next := pageOf(list(obj(s.sc.Doc["graph"])["users"]), off, size)
	s.mu.RUnlock()
	shaped := make([]any, len(page))
	for i, u := range page {
		shaped[i] = graphShapeUser(obj(u), sel, version)
	}
	ctx := "users"
	if sel != nil {
		ctx = "users(" + strings.Join(sel, ",") + ")"
	}
	s.graphPage(w, r, version, ctx, "users", shaped, next)
}

func (s *Server) graphUser(w http.ResponseWriter, r *http.Request, version string, segs []string) {
	for _, u := range list(s.graphSection("users")) {
		um := obj(u)
		if strings.EqualFold(str(um["id"]), segs[1]) || strings.EqualFold(str(um["userPrincipalName"]), segs[1]) {
			sel := graphSelect(r)
			out := graphShapeUser(um, sel, version)
			ctx := "users/$entity"
			if sel != nil {
				ctx = "users(" + strings.Join(sel, ",") + ")/$entity"
			}
			out["@odata.context"] = s.graphContext(r, version, ctx)
			s.graphJSON(w, r, http.StatusOK, out)
			return
		}
	}
	s.graphMissing(w, r, segs[1])
}

// graphShapeUser keeps the selected properties (v1.0's default set when
// nothing is selected; beta returns everything) plus id. A selected
// property the scenario does not carry is null, as Graph returns it.
func graphShapeUser(u map[string]any, sel []string, version string) map[string]any {
	if sel == nil {
		if version == "beta" {
			return u
		}
		sel = graphUserDefaultProps
	}
	out := map[string]any{"id": u["id"]}
	for _, p := range sel {
		key, val := p, any(nil)
		for k, v := range u {
			if strings.EqualFold(k, p) {
				key, val = k, v
				break
			}
		}
		out[key] = val
	}
	return out
}

// --- sign-ins.

func (s *Server) graphSignIns(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	pred, err := parseSignInFilter(graphQuery(r, "filter"))
	if err != nil {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		return
	}
	top, ok := graphTop(r)
	if !ok {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid value '"+graphQuery(r, "top")+"' for query option $top.")
		return
	}
	off, ok := parsePageToken("signIns", graphQuery(r, "skiptoken"))
	if !ok {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid $skiptoken value.")
		return
	}
	// The selection (filtered, newest first) is made once per listing and
	// state; each page copies only its own sign-ins.
	size := s.pageSize(top, graphSignInsDefaultPage, graphSignInsMaxPage)
	s.mu.RLock()
	items, _ := s.cachedList(listKey(r, "skiptoken", "top"), func() ([]any, bool) {
		type row struct {
			v any
			t time.Time
		}
		var rows []row
		for _, e := range list(obj(s.sc.Doc["graph"])["signIns"]) {
			m := obj(e)
			if m == nil || !pred(m) {
				continue
			}
			t, _ := ParseTime(str(m["createdDateTime"]))
			rows = append(rows, row{e, t})
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].t.After(rows[j].t) }) // newest first
		items := make([]any, len(rows))
		for i, rw := range rows {
			items[i] = rw.v
		}
		return items, true
	})
	page, next := pageOf(items, off, size)
	s.mu.RUnlock()
	if version != "beta" {
		for _, e := range page {
			delete(obj(e), "userAgent") // beta only
		}
	}
	s.graphPage(w, r, version, "auditLogs/signIns", "signIns", page, next)
}

// --- conditional access and security defaults.

func (s *Server) graphCAPolicies(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	pols := list(s.graphSection("conditionalAccessPolicies"))
	s.graphCollection(w, r, version, "identity/conditionalAccess/policies", pols)
}

func (s *Server) graphCAPolicy(w http.ResponseWriter, r *http.Request, version string, segs []string) {
	for _, p := range list(s.graphSection("conditionalAccessPolicies")) {
		if pm := obj(p); strings.EqualFold(str(pm["id"]), segs[3]) {
			pm["@odata.context"] = s.graphContext(r, version, "identity/conditionalAccess/policies/$entity")
			s.graphJSON(w, r, http.StatusOK, pm)
			return
		}
	}
	s.graphMissing(w, r, segs[3])
}

func (s *Server) graphSecurityDefaults(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	p := obj(s.graphSection("identitySecurityDefaultsEnforcementPolicy"))
	if p == nil {
		// Every tenant has the object; a scenario without it means off.
		p = map[string]any{"isEnabled": false}
	}
	for k, v := range map[string]any{
		"id": "00000000-0000-0000-0000-000000000005", "displayName": "Security Defaults",
		"description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
	} {
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
	p["@odata.context"] = s.graphContext(r, version, "policies/identitySecurityDefaultsEnforcementPolicy/$entity")
	s.graphJSON(w, r, http.StatusOK, p)
}

// --- email-app usage reports.

var reportFuncRe = regexp.MustCompile(`^(?i:microsoft\.graph\.)?(\w+)\((.*)\)$`)

// Reports the simulator serves: scenario key and CSV columns (header ->
// JSON key).
var graphReports = map[string]struct {
	key, entity string
	columns     [][2]string
	dated       bool // also takes (date=YYYY-MM-DD)
}{
	"getemailappusageuserdetail": {
		key: "emailAppUsageUserDetail", entity: "emailAppUsageUserDetail", dated: true,
		columns: [][2]string{
			{"Report Refresh Date", "reportRefreshDate"}, {"User Principal Name", "userPrincipalName"},
			{"Display Name", "displayName"}, {"Is Deleted", "isDeleted"}, {"Deleted Date", "deletedDate"},
			{"Last Activity Date", "lastActivityDate"}, {"Mail For Mac", "mailForMac"},
			{"Outlook For Mac", "outlookForMac"}, {"Outlook For Windows", "outlookForWindows"},
			{"Outlook For Mobile", "outlookForMobile"}, {"Other For Mobile", "otherForMobile"},
			{"Outlook For Web", "outlookForWeb"}, {"POP3 App", "pop3App"}, {"IMAP4 App", "imap4App"},
			{"SMTP App", "smtpApp"}, {"Report Period", "reportPeriod"},
		},
	},
	"getemailappusageversionsusercounts": {
		key: "emailAppUsageVersionsUserCounts", entity: "emailAppUsageVersionsUserCounts",
		columns: [][2]string{
			{"Report Refresh Date", "reportRefreshDate"}, {"Outlook 2016", "outlook2016"},
			{"Outlook 2013", "outlook2013"}, {"Outlook 2010", "outlook2010"}, {"Outlook 2007", "outlook2007"},
			{"Undetermined", "undetermined"}, {"Report Period", "reportPeriod"},
			{"Outlook M365", "outlookM365"}, {"Outlook 2019", "outlook2019"},
		},
	},
}

var graphReportPeriods = map[string]bool{"D7": true, "D30": true, "D90": true, "D180": true}

// graphReport answers a report function: beta with $format=application/json
// gives paged JSON; otherwise (v1.0, or beta's default text/csv) a 302 to a
// pre-authenticated CSV download.
func (s *Server) graphReport(w http.ResponseWriter, r *http.Request, version string, segs []string) {
	m := reportFuncRe.FindStringSubmatch(segs[1])
	if m == nil {
		s.graphNotFound(w, r, segs[1])
		return
	}
	name := strings.ToLower(m[1])
	rep, ok := graphReports[name]
	if !ok {
		s.graphNotFound(w, r, segs[1])
		return
	}
	argName, argVal, _ := strings.Cut(m[2], "=")
	argName, argVal = strings.TrimSpace(argName), strings.TrimSpace(argVal)
	period := ""
	switch {
	case strings.EqualFold(argName, "period"):
		period = strings.Trim(argVal, "'")
		if !strings.HasPrefix(argVal, "'") || !strings.HasSuffix(argVal, "'") || !graphReportPeriods[period] {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid value for parameter 'period': "+argVal+". Supported values are D7, D30, D90 and D180.")
			return
		}
	case rep.dated && strings.EqualFold(argName, "date"):
		if _, err := time.Parse("2006-01-02", argVal); err != nil {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid value for parameter 'date': "+argVal+".")
			return
		}
		period = "D1"
	default:
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Missing or invalid parameter for function '"+m[1]+"'.")
		return
	}

	if version == "beta" && strings.EqualFold(graphQuery(r, "format"), "application/json") {
		top, ok := graphTop(r)
		if !ok {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid value '"+graphQuery(r, "top")+"' for query option $top.")
			return
		}
		off, ok := parsePageToken(rep.key, graphQuery(r, "skiptoken"))
		if !ok {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid $skiptoken value.")
			return
		}
		size := s.pageSize(top, graphReportsDefaultPage, graphReportsMaxPage)
		s.mu.RLock()
		page, next := pageOf(list(obj(s.sc.Doc["graph"])[rep.key]), off, size)
		s.mu.RUnlock()
		s.graphPage(w, r, version, "Collection(microsoft.graph."+rep.entity+")", rep.key, page, next)
		return
	}
	token := base64.RawURLEncoding.EncodeToString([]byte(name + "|" + period))
	w.Header().Set("Location", baseURL(r)+graphDownloadPrefix+token)
	s.graphIDs(w, r)
	w.WriteHeader(http.StatusFound)
}

// graphReportDownload serves the CSV a report's 302 points at (UTF-8 with
// a BOM; several versions in one cell are joined with "; " [unconfirmed]).
func (s *Server) graphReportDownload(w http.ResponseWriter, r *http.Request, token string) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	name, period, _ := strings.Cut(string(b), "|")
	rep, ok := graphReports[name]
	if err != nil || !ok {
		http.Error(w, "The download link is invalid or has expired.", http.StatusNotFound)
		return
	}
	var sb strings.Builder
	sb.WriteString("\ufeff")
	cw := csv.NewWriter(&sb)
	header := make([]string, len(rep.columns))
	for i, c := range rep.columns {
		header[i] = c[0]
	}
	_ = cw.Write(header)
	for _, row := range list(s.graphSection(rep.key)) {
		rm := obj(row)
		rec := make([]string, len(rep.columns))
		for i, c := range rep.columns {
			v := rm[c[1]]
			if c[1] == "reportPeriod" {
				v = strings.TrimPrefix(period, "D")
			}
			rec[i] = csvCell(v)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(rep.entity, "emailAppUsage")+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(sb.String()))
}

func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = csvCell(e)
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(v)
}

// --- the sign-ins $filter: comparisons on a few properties, "and", "or",
// parentheses and startswith(). Anything else is Graph's 400.

type signInPred func(map[string]any) bool

func parseSignInFilter(f string) (signInPred, error) {
	if strings.TrimSpace(f) == "" {
		return func(map[string]any) bool { return true }, nil
	}
	toks, err := filterTokens(f)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return pred, nil
}

type filterTok struct {
	text   string
	quoted bool // a '...' string literal (text is unquoted)
}

func filterTokens(f string) ([]filterTok, error) {
	var toks []filterTok
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, filterTok{text: string(c)})
			i++
		case c == '\'':
			var sb strings.Builder
			j := i + 1
			for {
				if j >= len(f) {
					return nil, fmt.Errorf("unterminated string literal")
				}
				if f[j] == '\'' {
					if j+1 < len(f) && f[j+1] == '\'' { // '' is an escaped quote
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(f[j])
				j++
			}
			toks = append(toks, filterTok{text: sb.String(), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(f) && !strings.ContainsRune(" \t(),'", rune(f[j])) {
				j++
			}
			toks = append(toks, filterTok{text: f[i:j]})
			i = j
		}
	}
	return toks, nil
}

type filterParser struct {
	toks []filterTok
	pos  int
}

func (p *filterParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *filterParser) next() (filterTok, error) {
	if p.pos >= len(p.toks) {
		return filterTok{}, fmt.Errorf("unexpected end of expression")
	}
	t := p.toks[p.pos]
	p.pos++
	return t, nil
}

func (p *filterParser) expect(w string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.quoted || t.text != w {
		return fmt.Errorf("expected %q, found %q", w, t.text)
	}
	return nil
}

func (p *filterParser) or() (signInPred, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(m map[string]any) bool { return l(m) || right(m) }
	}
	return left, nil
}

func (p *filterParser) and() (signInPred, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(m map[string]any) bool { return l(m) && right(m) }
	}
	return left, nil
}

// Filterable sign-in properties: strings compare case-insensitively.
var signInStringProps = map[string]string{
	"id": "id", "clientappused": "clientAppUsed", "userprincipalname": "userPrincipalName",
	"userid": "userId", "userdisplayname": "userDisplayName", "appid": "appId",
	"appdisplayname": "appDisplayName", "ipaddress": "ipAddress",
	"conditionalaccessstatus": "conditionalAccessStatus", "resourcedisplayname": "resourceDisplayName",
}

func (p *filterParser) primary() (signInPred, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.quoted {
		return nil, fmt.Errorf("unexpected string literal '%s'", t.text)
	}
	if t.text == "(" {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	}
	if strings.EqualFold(t.text, "startswith") {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		prop, err := p.next()
		if err != nil {
			return nil, err
		}
		key, ok := signInStringProps[strings.ToLower(prop.text)]
		if prop.quoted || !ok {
			return nil, fmt.Errorf("startswith on unsupported property %q", prop.text)
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		lit, err := p.next()
		if err != nil {
			return nil, err
		}
		if !lit.quoted {
			return nil, fmt.Errorf("startswith needs a string literal")
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		prefix := strings.ToLower(lit.text)
		return func(m map[string]any) bool { return strings.HasPrefix(strings.ToLower(str(m[key])), prefix) }, nil
	}
	opTok, err := p.next()
	if err != nil {
		return nil, err
	}
	op := strings.ToLower(opTok.text)
	if opTok.quoted || !map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}[op] {
		return nil, fmt.Errorf("unsupported operator %q", opTok.text)
	}
	lit, err := p.next()
	if err != nil {
		return nil, err
	}
	prop := strings.ToLower(t.text)
	switch {
	case prop == "createddatetime":
		if lit.quoted {
			return nil, fmt.Errorf("createdDateTime needs an unquoted DateTimeOffset literal")
		}
		want, err := ParseTime(lit.text)
		if err != nil {
			return nil, fmt.Errorf("invalid DateTimeOffset literal %q", lit.text)
		}
		return func(m map[string]any) bool {
			got, err := ParseTime(str(m["createdDateTime"]))
			return err == nil && compareOp(op, got.Compare(want))
		}, nil
	case prop == "status/errorcode":
		want, err := strconv.ParseFloat(lit.text, 64)
		if lit.quoted || err != nil {
			return nil, fmt.Errorf("status/errorCode needs a number")
		}
		return func(m map[string]any) bool {
			n, ok := obj(m["status"])["errorCode"].(json.Number)
			if !ok {
				return false
			}
			got, err := n.Float64()
			if err != nil {
				return false
			}
			c := 0
			if got < want {
				c = -1
			} else if got > want {
				c = 1
			}
			return compareOp(op, c)
		}, nil
	}
	key, ok := signInStringProps[prop]
	if !ok {
		return nil, fmt.Errorf("unsupported property %q", t.text)
	}
	if !lit.quoted {
		if lit.text != "null" {
			return nil, fmt.Errorf("%s needs a string literal", t.text)
		}
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("null compares with eq or ne only")
		}
		return func(m map[string]any) bool { return (m[key] == nil) == (op == "eq") }, nil
	}
	want := strings.ToLower(lit.text)
	return func(m map[string]any) bool {
		v, isStr := m[key].(string)
		if !isStr {
			return op == "ne"
		}
		return compareOp(op, strings.Compare(strings.ToLower(v), want))
	}, nil
}

func compareOp(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// --- query options.

// graphQuery returns query option name, with or without its "$", in any
// case.
func graphQuery(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// graphSelect returns the $select list, or nil when none was given.
func graphSelect(r *http.Request) []string {
	q := graphQuery(r, "select")
	if strings.TrimSpace(q) == "" {
		return nil
	}
	var sel []string
	for _, p := range strings.Split(q, ",") {
		if p = strings.TrimSpace(p); p != "" {
			sel = append(sel, p)
		}
	}
	return sel
}

// graphTop returns $top (0 when absent) and whether it was valid.
func graphTop(r *http.Request) (int, bool) {
	q := graphQuery(r, "top")
	if q == "" {
		return 0, true
	}
	n, err := strconv.Atoi(q)
	return n, err == nil && n > 0
}

// --- responses.

func (s *Server) graphContext(r *http.Request, version, fragment string) string {
	return baseURL(r) + "/" + version + "/$metadata#" + fragment
}

// graphCollection writes a whole collection as one page, for the small
// collections Graph does not page in practice.
func (s *Server) graphCollection(w http.ResponseWriter, r *http.Request, version, ctx string, items []any) {
	s.graphPage(w, r, version, ctx, "", items, -1)
}

// graphPage writes one page of a collection, with an absolute nextLink on
// the simulator's host when next >= 0. The nextLink repeats the request's
// query options with a new $skiptoken.
func (s *Server) graphPage(w http.ResponseWriter, r *http.Request, version, ctx, tag string, page []any, next int) {
	if page == nil {
		page = []any{}
	}
	resp := map[string]any{"@odata.context": s.graphContext(r, version, ctx), "value": page}
	if next >= 0 {
		resp["@odata.nextLink"] = graphNextLink(r, tag, next)
	}
	s.graphJSON(w, r, http.StatusOK, resp)
}

func graphNextLink(r *http.Request, tag string, next int) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), "skiptoken") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, graphEscape(k)+"="+graphEscape(v))
		}
	}
	parts = append(parts, "$skiptoken="+pageToken(tag, next))
	return baseURL(r) + r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}

// graphEscape escapes a query component as Graph writes nextLinks: "$" kept,
// spaces as %20.
func graphEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%24", "$")
}

// graphIDs sets request-id (new) and client-request-id (echoed, or the
// same new id) once per response, and returns them.
func (s *Server) graphIDs(w http.ResponseWriter, r *http.Request) (string, string) {
	h := w.Header()
	if id := h.Get("request-id"); id != "" {
		return id, h.Get("client-request-id")
	}
	id := newUUID()
	cid := r.Header.Get("client-request-id")
	if cid == "" {
		cid = id
	}
	h.Set("request-id", id)
	h.Set("client-request-id", cid)
	return id, cid
}

func (s *Server) graphJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	s.graphIDs(w, r)
	w.Header().Set("Content-Type", graphContentType)
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// graphError writes Graph's error body.
func (s *Server) graphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	id, cid := s.graphIDs(w, r)
	s.graphJSON(w, r, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{
			"date":              s.Now().Format("2006-01-02T15:04:05"),
			"request-id":        id,
			"client-request-id": cid,
		},
	}})
}

// graphMissing is Graph's 404 for an object that does not exist.
func (s *Server) graphMissing(w http.ResponseWriter, r *http.Request, id string) {
	s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

// graphNotFound is the 404 for a path the simulator does not serve.
func (s *Server) graphNotFound(w http.ResponseWriter, r *http.Request, segment string) {
	s.graphError(w, r, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("Resource not found for the segment '%s'.", segment))
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
