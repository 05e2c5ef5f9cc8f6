package drift

import (
	"fmt"
	"html/template"
	"io"
)

// htmlPage is the one self-contained page WriteHTML writes: no script, no
// stylesheet or font from elsewhere, so it can be attached to a ticket.
var htmlPage = template.Must(template.New("drift").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Drift of {{.Target}} from the mock</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} code{font-size:12px} .ok{color:#186a1e} .bad{color:#a31515}
.dialect{background:#eef6ee} pre{background:#f6f6f6;padding:1em}
</style></head><body>
<h1>Drift of {{.Target}} from the mock at {{.Mock}}</h1>
<p>{{.Requests}} requests to each side, compared by behaviour (statuses, headers, shapes, paging, errors), never by values.</p>
{{if not .Differences}}<p class="ok">No behavioural difference: the mock still tells the truth about this target.</p>{{end}}
{{range .Operations}}<h2 id="{{.ID}}">{{.ID}} {{if .Differences}}<span class="bad">({{len .Differences}})</span>{{else}}<span class="ok">no difference</span>{{end}}</h2>
{{if .Differences}}<table><tr><th>kind</th><th>difference</th><th>mock</th><th>target</th><th>dialect</th></tr>
{{range .Differences}}<tr{{if .Dialect}} class="dialect"{{end}}><td>{{.Kind}}</td><td>{{.Message}}</td>
<td><code>{{.Mock.Request}}</code><br>{{.Mock.Behaviour}}</td><td><code>{{.Target.Request}}</code><br>{{.Target.Behaviour}}</td>
<td>{{with .Dialect}}<code>{{.Key}}: {{.Value}}</code>{{else}}none explains it{{end}}</td></tr>
{{end}}</table>{{end}}{{end}}
{{if .Differences}}{{if .Explained}}<h2>The dialect that makes the mock and the suite agree with the target</h2>
<p>Pass it to <code>mockserver --dialect FILE</code> and <code>conformance --dialect FILE</code>.</p>
<pre>{{.DialectYAML}}</pre>{{else}}<p class="bad">{{.Unexplained}} differences are explained by no dialect setting: the mock (or the target) is wrong there.</p>{{end}}{{end}}
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML page: per
// operation, every difference with an example request for both sides.
func (r *Report) WriteHTML(w io.Writer) error {
	type op struct {
		ID          string
		Differences []Difference
	}
	data := struct {
		*Report
		Operations  []op
		Explained   bool
		Unexplained int
		DialectYAML string
	}{Report: r, Explained: r.Explained(), Unexplained: r.Unexplained(), DialectYAML: string(r.Dialect.YAML())}
	for _, id := range r.Operations {
		o := op{ID: id}
		for _, d := range r.Differences {
			if d.OperationID == id {
				o.Differences = append(o.Differences, d)
			}
		}
		data.Operations = append(data.Operations, o)
	}
	if err := htmlPage.Execute(w, data); err != nil {
		return fmt.Errorf("writing the drift report as HTML: %w", err)
	}
	return nil
}
