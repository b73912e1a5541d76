/// The page's style sheet: one column on a phone, cards and tables that wrap, no external fonts.
enum ConsoleStyle {
    static let css = """
        :root { --fg: #1d2330; --muted: #667085; --line: #d9dee7; --bg: #f6f7f9; --card: #fff;
          --accepted: #2563eb; --duplicate: #d97706; --bad: #b42318; --good: #067647; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
        header h1 { font-size: 1.1rem; margin: 0; }
        header form { margin-left: auto; }
        main { max-width: 1100px; margin: 0 auto; padding: .5rem 1rem 3rem; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; overflow-x: auto; }
        h2 { font-size: 1rem; margin: 0 0 .5rem; } h3 { font-size: .9rem; margin: .75rem 0 .25rem; }
        .muted { color: var(--muted); font-size: .85rem; } .error { color: var(--bad); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: .5rem; background: none; border: 0; padding: 0; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; display: flex; flex-direction: column; }
        .card .label { color: var(--muted); font-size: .8rem; } .card .value { font-size: 1.4rem; font-variant-numeric: tabular-nums; }
        .card .value.bad { color: var(--bad); }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { color: var(--muted); font-weight: 600; font-size: .8rem; }
        td.num, th.num { text-align: right; }
        .chart { margin: .25rem 0 .75rem; } .chart h3 { margin: 0; }
        .chart svg { width: 100%; height: 160px; display: block; }
        .chart .axis { stroke: var(--line); } .chart text { fill: var(--muted); font-size: 10px; }
        .chart .accepted { stroke: var(--accepted); fill: none; stroke-width: 1.5; }
        .chart .duplicate { stroke: var(--duplicate); fill: none; stroke-width: 1.5; }
        .legend .swatch { display: inline-block; width: .8rem; height: .25rem; margin: 0 .25rem 0 .5rem; vertical-align: middle; }
        .swatch.accepted { background: var(--accepted); } .swatch.duplicate { background: var(--duplicate); }
        #dead-letters { list-style: none; padding: 0; margin: 0; }
        .dead-letter { border-top: 1px solid var(--line); padding: .5rem 0; }
        .dead-letter .what { font-weight: 600; word-break: break-all; } .dead-letter .why { color: var(--bad); word-break: break-word; }
        .dead-letter pre, #lookup-result pre { background: var(--bg); padding: .5rem; border-radius: 6px; white-space: pre-wrap; word-break: break-all; max-height: 12rem; overflow: auto; font-size: .8rem; }
        .dead-letter details { margin: .25rem 0; }
        button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); cursor: pointer; min-height: 2.2rem; }
        button.replay { border-color: var(--accepted); color: var(--accepted); } button.delete { border-color: var(--bad); color: var(--bad); }
        input, select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; max-width: 100%; }
        #lookup { display: flex; flex-wrap: wrap; gap: .5rem; } #lookup input { flex: 1 1 12rem; }
        #lookup-result { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .75rem; }
        #lookup-result dt { color: var(--muted); } #lookup-result dd { margin: 0; word-break: break-all; }
        @media (max-width: 600px) { body { font-size: 14px; } main { padding: .25rem .5rem 2rem; } section { padding: .5rem; } }
        """
}
