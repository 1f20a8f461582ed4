"""``report.html``: the demo report as one page a person opens in a
browser (tables, ROC curves, cine loops, saliency), next to report.md.
Pictures are referenced by relative path; the page needs no network."""
import html
from typing import Dict, List, Optional, Sequence

_STYLE = """
body { font-family: sans-serif; margin: 24px auto; max-width: 1100px;
       color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px;
     border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eee; }
figure { display: inline-block; margin: 6px 14px 14px 0;
         vertical-align: top; }
figcaption { font-size: 12px; max-width: 420px; }
img { border: 1px solid #ccc; }
.note { font-size: 12px; color: #444; max-width: 900px; }
.warn { background: #fff3cd; border: 1px solid #e0c36b; padding: 6px 10px;
        font-size: 13px; }
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = ''.join(f'<th>{html.escape(str(h))}</th>' for h in header)
    body = ''.join(
        '<tr>' + ''.join(f'<td>{html.escape(str(c))}</td>' for c in row) +
        '</tr>' for row in rows)
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>' \
        '</table>'


def _figure(src: str, caption: str, width: Optional[int] = None) -> str:
    size = f' width="{width}"' if width else ''
    return (f'<figure><img src="{html.escape(src)}" alt="'
            f'{html.escape(caption)}"{size}><figcaption>'
            f'{html.escape(caption)}</figcaption></figure>')


def render_report_html(title: str, intro: str,
                       sections: List[Dict]) -> str:
    """The page as a string.

    Args:
        title (str): Page and top heading.
        intro (str): First paragraph (plain text).
        sections (list[dict]): In order; each has ``heading`` and any of
            ``text`` (plain), ``note`` (plain, small, under the
            table), ``warning`` (plain, highlighted), ``table``
            (``(header, rows)``) and ``figures`` (list of ``(relative src,
            caption)`` or ``(src, caption, width)``).

    Returns:
        str: A standalone HTML5 document.
    """
    parts = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
             f'<title>{html.escape(title)}</title>',
             f'<style>{_STYLE}</style></head><body>',
             f'<h1>{html.escape(title)}</h1>',
             f'<p>{html.escape(intro)}</p>']
    for sec in sections:
        parts.append(f'<h2>{html.escape(sec["heading"])}</h2>')
        if sec.get('warning'):
            parts.append(f'<p class="warn">{html.escape(sec["warning"])}</p>')
        if sec.get('text'):
            parts.append(f'<p>{html.escape(sec["text"])}</p>')
        if sec.get('table'):
            parts.append(_table(*sec['table']))
        if sec.get('note'):
            parts.append(f'<p class="note">{html.escape(sec["note"])}</p>')
        for fig in sec.get('figures', []):
            parts.append(_figure(*fig))
    parts.append('</body></html>')
    return '\n'.join(parts) + '\n'
