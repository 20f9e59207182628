"""The one table of report renderers: (command, format) -> the function that renders it.

Commands look their renderer up here (`renderer(command, fmt)`) and call it with their data; an
unknown (command, format) is an error. Modules are imported on first use, so a command pays only for
the renderer it uses (jinja2 is loaded by the template-based ones)."""
import importlib

RENDERERS = {
    ("check", "text"): "reports.check_text:render",
    ("check", "json"): "reports.check_json:render",
    ("check", "md"): "reports.check_markdown:render",
    ("check", "html"): "reports.check_html:render",
    ("check", "sarif"): "reports.check_sarif:render",
    ("check", "junit"): "reports.check_junit:render",
    ("min-kernel", "text"): "reports.min_kernel:render_text",
    ("min-kernel", "json"): "reports.min_kernel:render_json",
    ("scan", "text"): "reports.scan:render_text",
    ("scan", "json"): "reports.scan:render_json",
    ("inspect", "text"): "reports.inspect_text:render",
    ("inspect", "json"): "reports.inspect_json:render",
    ("kernel show", "text"): "reports.kernel_text:show_text",
    ("kernel show", "json"): "reports.kernel_text:show_json",
    ("kernel list", "text"): "reports.kernel_text:list_text",
    ("kernel list", "json"): "reports.kernel_text:list_json",
    ("kernel facts", "text"): "reports.kernel_text:facts_line",
    ("kernel import", "text"): "reports.kernel_text:import_report",
    ("kernel probe", "text"): "reports.kernel_probe:render_text",
    ("kernel probe", "json"): "reports.kernel_probe:render_json",
    ("kfuncs", "text"): "reports.kfuncs_text:render",
    ("kfuncs", "json"): "reports.document_json:render",
    ("kfuncs", "md"): "reports.kfuncs_markdown:render",
    ("kfuncs", "html"): "reports.kfuncs_html:render",
    ("diff", "text"): "reports.diff_text:render",
    ("diff", "json"): "reports.document_json:render",
    ("diff", "md"): "reports.diff_markdown:render",
    ("diff", "html"): "reports.diff_html:render",
    ("timeline", "text"): "reports.timeline_text:render",
    ("timeline", "json"): "reports.document_json:render",
    ("timeline", "md"): "reports.timeline_markdown:render",
    ("timeline", "html"): "reports.timeline_html:render",
    ("deps", "json"): "reports.deps_graph:to_json",
    ("deps", "graphml"): "reports.deps_graph:to_graphml",
    ("deps", "dot"): "reports.deps_graph:to_dot",
    ("who-uses", "text"): "reports.deps_who_uses:render_text",
    ("who-uses", "json"): "reports.deps_who_uses:render_json",
    ("impact", "text"): "reports.impact_text:render",
    ("impact", "json"): "reports.impact_json:render",
    ("audit", "text"): "reports.audit_text:render",
    ("audit", "json"): "reports.audit_json:render",
    ("audit", "md"): "reports.audit_markdown:render",
    ("audit", "html"): "reports.audit_html:render",
}


class UnknownReport(LookupError):
    pass


def formats(command):
    """The formats registered for a command, in table order."""
    return tuple(f for c, f in RENDERERS if c == command)


def renderer(command, fmt):
    """The render function of (command, fmt); UnknownReport when there is none."""
    try:
        target = RENDERERS[(command, fmt)]
    except KeyError:
        raise UnknownReport(f"no {fmt!r} report for {command!r} (formats: {', '.join(formats(command)) or 'none'})") \
            from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)
