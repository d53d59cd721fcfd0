#!/usr/bin/env python3
"""Static checks of the Grafana files in deploy/grafana/.

Grafana does not run where the tests run, so this checks what can be checked
without it:

- the data source provisioning file parses, provisions one PostgreSQL data
  source with a uid, and takes its connection and credentials from
  environment variables (no literal host, user, database or password);
- the dashboard provider file parses and is a file provider with a path;
- the dashboard JSON parses, has a uid, a title and panels with unique ids
  that fit the 24-column grid;
- every panel and every query refers to the provisioned data source by its
  uid (and type), with no import-time placeholders such as ${DS_...};
- every query is raw SQL that reads only analytics_* views defined in
  sql/003_analytics.sql (view names parsed from that file), and every view
  the dashboard must show (engagement, sentiment and resolution over time,
  topic outcomes, banking share, returning users, conversion, first-contact
  resolution) is read by some panel;
- time series panels select a "time" column and honour the dashboard's time
  range ($__timeFrom() / $__timeTo() or $__timeFilter);
- every view of sql/003_analytics.sql has a COMMENT ON VIEW.

Needs PyYAML (Debian: python3-yaml).  Prints `N passed, N failed` last and
exits non-zero when a check fails.
"""

import json
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    # The interpreter CMake found may not be Debian's, where python3-yaml lives.
    debian = "/usr/bin/python3"
    if (os.path.realpath(sys.executable) != os.path.realpath(debian)
            and os.path.exists(debian)
            and subprocess.call([debian, "-c", "import yaml"],
                                stderr=subprocess.DEVNULL) == 0):
        os.execv(debian, [debian] + sys.argv)
    print("FAIL - PyYAML is missing: apt-get install python3-yaml")
    print("0 passed, 1 failed")
    sys.exit(1)

ROOT = os.environ.get("CT_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
GRAFANA = os.path.join(ROOT, "deploy", "grafana")
DATASOURCES = os.path.join(GRAFANA, "provisioning", "datasources",
                           "convtrack.yaml")
PROVIDERS = os.path.join(GRAFANA, "provisioning", "dashboards",
                         "convtrack.yaml")
DASHBOARD = os.path.join(GRAFANA, "dashboards", "convtrack.json")
ANALYTICS_SQL = os.path.join(ROOT, "sql", "003_analytics.sql")

PG_TYPES = ("grafana-postgresql-datasource", "postgres")
ENV_REF = re.compile(r"^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$")
# What the dashboard must show (issue 5, part 4).
REQUIRED_VIEWS = (
    "analytics_engagement_by_profile_type", "analytics_daily_sentiment",
    "analytics_daily_resolution", "analytics_topic_outcomes",
    "analytics_banking_share", "analytics_returning_users",
    "analytics_conversion", "analytics_first_contact_resolution",
)


class CheckFailure(Exception):
    pass


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_dashboard():
    with open(DASHBOARD, encoding="utf-8") as f:
        return json.load(f)


def strip_sql_comments(text):
    return re.sub(r"--[^\n]*", "", text)


def analytics_views():
    """{view name: has a COMMENT ON VIEW} from sql/003_analytics.sql."""
    with open(ANALYTICS_SQL, encoding="utf-8") as f:
        sql = strip_sql_comments(f.read())
    views = re.findall(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+"
                       r"([A-Za-z_][A-Za-z0-9_]*)", sql, re.I)
    commented = set(re.findall(r"\bCOMMENT\s+ON\s+VIEW\s+"
                               r"([A-Za-z_][A-Za-z0-9_]*)\s+IS\b", sql, re.I))
    return {v: v in commented for v in views}


def all_panels(dash):
    """Every panel, rows' nested panels included."""
    out = []
    for p in dash.get("panels", []):
        out.append(p)
        for q in p.get("panels", []) or []:
            out.append(q)
    return out


def data_panels(dash):
    return [p for p in all_panels(dash) if p.get("type") != "row"]


def provisioned_datasource():
    doc = load_yaml(DATASOURCES)
    ds = [d for d in doc.get("datasources") or []
          if d.get("type") in PG_TYPES]
    if len(ds) != 1:
        raise CheckFailure("want exactly one PostgreSQL data source in %s, "
                           "found %d" % (DATASOURCES, len(ds)))
    return ds[0]


def relations(sql):
    """Names after FROM and JOIN (string literals removed first)."""
    text = re.sub(r"'(?:[^']|'')*'", "''", strip_sql_comments(sql))
    return re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_.\"]*)",
                      text, re.I)


# --------------------------------------------------------------------------
# Checks


def check_datasource_file():
    doc = load_yaml(DATASOURCES)
    if not isinstance(doc, dict) or doc.get("apiVersion") != 1:
        raise CheckFailure("%s: want a mapping with apiVersion: 1" % DATASOURCES)
    ds = provisioned_datasource()
    for k in ("name", "uid"):
        if not isinstance(ds.get(k), str) or not ds[k]:
            raise CheckFailure("data source has no %s" % k)
    if ds.get("access", "proxy") != "proxy":
        raise CheckFailure("access %r: the browser cannot reach PostgreSQL; "
                           "use proxy" % ds.get("access"))


def check_credentials_from_env():
    ds = provisioned_datasource()
    json_data = ds.get("jsonData") or {}
    secure = ds.get("secureJsonData") or {}
    fields = {"url": ds.get("url"), "user": ds.get("user"),
              "jsonData.database": json_data.get("database"),
              "jsonData.sslmode": json_data.get("sslmode"),
              "secureJsonData.password": secure.get("password")}
    bad = ["%s = %r" % (k, v) for k, v in fields.items()
           if not isinstance(v, str) or not ENV_REF.match(v.strip())]
    if bad:
        raise CheckFailure("want every connection setting from an environment "
                           "variable ($VAR or ${VAR}): " + "; ".join(bad))
    for k in ("password", "database", "basicAuthPassword"):
        if k in ds:
            raise CheckFailure("top-level %r: put it in jsonData / "
                               "secureJsonData" % k)


def check_dashboard_provider():
    doc = load_yaml(PROVIDERS)
    if not isinstance(doc, dict) or doc.get("apiVersion") != 1:
        raise CheckFailure("%s: want a mapping with apiVersion: 1" % PROVIDERS)
    provs = doc.get("providers") or []
    if len(provs) != 1:
        raise CheckFailure("want one dashboard provider, found %d" % len(provs))
    p = provs[0]
    if p.get("type", "file") != "file":
        raise CheckFailure("provider type %r, want file" % p.get("type"))
    path = (p.get("options") or {}).get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise CheckFailure("provider options.path %r: want an absolute path"
                           % path)
    if not p.get("name"):
        raise CheckFailure("provider has no name")


def check_dashboard_json():
    dash = load_dashboard()
    for k in ("uid", "title"):
        if not isinstance(dash.get(k), str) or not dash[k]:
            raise CheckFailure("dashboard has no %s" % k)
    if not isinstance(dash.get("schemaVersion"), int):
        raise CheckFailure("dashboard has no schemaVersion")
    panels = all_panels(dash)
    if not data_panels(dash):
        raise CheckFailure("dashboard has no panels")
    ids = [p.get("id") for p in panels]
    if len(set(ids)) != len(ids) or any(not isinstance(i, int) for i in ids):
        raise CheckFailure("panel ids are not unique integers: %r" % ids)
    for p in panels:
        g = p.get("gridPos") or {}
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")):
            raise CheckFailure("panel %r has no complete gridPos" % p.get("title"))
        if g["x"] < 0 or g["w"] <= 0 or g["x"] + g["w"] > 24:
            raise CheckFailure("panel %r does not fit the 24-column grid: %r"
                               % (p.get("title"), g))
        if not p.get("title"):
            raise CheckFailure("panel %r has no title" % p.get("id"))


def check_datasource_uids():
    ds = provisioned_datasource()
    dash = load_dashboard()
    with open(DASHBOARD, encoding="utf-8") as f:
        text = f.read()
    if "${DS_" in text or "__inputs" in dash:
        raise CheckFailure("the dashboard has import-time data source "
                           "placeholders; a provisioned dashboard must name "
                           "the data source by uid")
    bad = []
    for p in data_panels(dash):
        refs = [("panel", p.get("datasource"))]
        refs += [("target " + str(t.get("refId")), t.get("datasource"))
                 for t in p.get("targets") or [] if "datasource" in t]
        for what, ref in refs:
            if not isinstance(ref, dict) or ref.get("uid") != ds["uid"]:
                bad.append("%r %s: %r" % (p.get("title"), what, ref))
            elif ref.get("type") not in (None, ds["type"]):
                bad.append("%r %s: type %r, the data source is %r" %
                           (p.get("title"), what, ref.get("type"), ds["type"]))
    if bad:
        raise CheckFailure("panels not on data source uid %r:\n    %s" %
                           (ds["uid"], "\n    ".join(bad)))


def check_sql_reads_analytics_views():
    views = analytics_views()
    if not views:
        raise CheckFailure("no CREATE VIEW found in %s" % ANALYTICS_SQL)
    dash = load_dashboard()
    bad = []
    for p in data_panels(dash):
        targets = p.get("targets") or []
        if not targets:
            bad.append("%r has no query" % p.get("title"))
        for t in targets:
            sql = t.get("rawSql")
            if not isinstance(sql, str) or not sql.strip():
                bad.append("%r target %s has no rawSql" %
                           (p.get("title"), t.get("refId")))
                continue
            if t.get("rawQuery") is False:
                bad.append("%r target %s is not a raw query" %
                           (p.get("title"), t.get("refId")))
            rels = relations(sql)
            if not rels:
                bad.append("%r reads no relation" % p.get("title"))
            for r in rels:
                if r not in views:
                    bad.append("%r reads %s, not an analytics view of "
                               "sql/003_analytics.sql" % (p.get("title"), r))
            for name in re.findall(r"\banalytics_[A-Za-z0-9_]+", sql):
                if name not in views:
                    bad.append("%r names %s, which sql/003_analytics.sql "
                               "does not define" % (p.get("title"), name))
    if bad:
        raise CheckFailure("\n    ".join(bad))


def check_required_views_shown():
    dash = load_dashboard()
    used = set()
    for p in data_panels(dash):
        for t in p.get("targets") or []:
            used.update(relations(t.get("rawSql") or ""))
    missing = [v for v in REQUIRED_VIEWS if v not in used]
    if missing:
        raise CheckFailure("no panel reads " + ", ".join(missing))


def check_time_series_time_range():
    dash = load_dashboard()
    bad = []
    for p in data_panels(dash):
        if p.get("type") != "timeseries":
            continue
        for t in p.get("targets") or []:
            sql = t.get("rawSql") or ""
            if not re.search(r'\bAS\s+"?time"?', sql, re.I):
                bad.append("%r selects no time column" % p.get("title"))
            if not ("$__timeFilter(" in sql or
                    ("$__timeFrom()" in sql and "$__timeTo()" in sql)):
                bad.append("%r ignores the dashboard's time range" %
                           p.get("title"))
    if bad:
        raise CheckFailure("\n    ".join(bad))


def check_views_documented():
    views = analytics_views()
    missing = [v for v, documented in views.items() if not documented]
    if missing:
        raise CheckFailure("views without COMMENT ON VIEW: " +
                           ", ".join(missing))
    bad = [v for v in views if not v.startswith("analytics_")]
    if bad:
        raise CheckFailure("views not named analytics_*: " + ", ".join(bad))


CHECKS = [check_datasource_file, check_credentials_from_env,
          check_dashboard_provider, check_dashboard_json,
          check_datasource_uids, check_sql_reads_analytics_views,
          check_required_views_shown, check_time_series_time_range,
          check_views_documented]


def main():
    passed = failed = 0
    for check in CHECKS:
        try:
            check()
        except CheckFailure as exc:
            print("FAIL %s: %s" % (check.__name__, exc))
            failed += 1
        except (OSError, ValueError, yaml.YAMLError) as exc:
            print("FAIL %s: %s: %s" % (check.__name__, type(exc).__name__, exc))
            failed += 1
        else:
            print("PASS %s" % check.__name__)
            passed += 1
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
