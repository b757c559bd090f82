"""A server-side SVG picture of a share tree: one column per depth, one row per leaf.

Each node is a box labelled with the sharer's nickname, the channel, counted visits and sales,
coloured by channel; lines join parents to children. Every label is XML-escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from trustmart.core.money import format_fen

from .models import Channel
from .selectors import Tree, TreeNode

CHANNEL_COLOURS: dict[str, str] = {
    Channel.WECHAT_MOMENTS: "#2aae67",
    Channel.WECHAT_FRIEND: "#07c160",
    Channel.WEIBO: "#e6162d",
    Channel.QQ: "#12b7f5",
    Channel.DOUYIN: "#1f1f1f",
    Channel.XIAOHONGSHU: "#ff2442",
    Channel.LINK: "#7a62d6",
}
BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 170, 64, 40, 16, 12


def _layout(tree: Tree) -> dict[int, tuple[float, float]]:
    """Node pk → (x, y): x by depth, y by leaf order, a parent centred on its children."""
    base_depth = tree.root.share.depth
    positions: dict[int, tuple[float, float]] = {}
    next_row = 0
    # Post-order without recursion: the depth-first list reversed visits children first.
    order: list[tuple[TreeNode, bool]] = [(tree.root, False)]
    while order:
        node, expanded = order.pop()
        x = PAD + (node.share.depth - base_depth) * (BOX_W + GAP_X)
        if node.children and not expanded:
            order.append((node, True))
            order.extend((child, False) for child in reversed(node.children))
            continue
        if node.children:
            ys = [positions[child.share.pk][1] for child in node.children]
            y = (min(ys) + max(ys)) / 2
        else:
            y = PAD + next_row * (BOX_H + GAP_Y)
            next_row += 1
        positions[node.share.pk] = (x, y)
    return positions


def tree_svg(tree: Tree) -> str:
    positions = _layout(tree)
    width = PAD * 2 + (tree.depth + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max(1, len([n for n in tree.nodes if not n.children])) * (
        BOX_H + GAP_Y) - GAP_Y
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" font-family="sans-serif" font-size="12" '
             f'role="img" aria-label="{escape(_("Share tree"))}">']
    for node in tree.nodes:
        x, y = positions[node.share.pk]
        for child in node.children:
            cx, cy = positions[child.share.pk]
            parts.append(f'<path d="M{x + BOX_W:.0f},{y + BOX_H / 2:.0f} '
                         f'C{x + BOX_W + GAP_X / 2:.0f},{y + BOX_H / 2:.0f} '
                         f'{cx - GAP_X / 2:.0f},{cy + BOX_H / 2:.0f} '
                         f'{cx:.0f},{cy + BOX_H / 2:.0f}" fill="none" stroke="#c9cdd4"/>')
    for node in tree.nodes:
        x, y = positions[node.share.pk]
        colour = CHANNEL_COLOURS.get(node.share.channel, "#888")
        channel = Channel(node.share.channel).label if node.share.channel in Channel.values \
            else node.share.channel
        stats = _("%(visits)s visits · %(sales)s") % {"visits": node.visits,
                                                       "sales": format_fen(node.sales_fen)}
        parts.append(
            f'<g data-code="{escape(node.share.code)}">'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="#fff" stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="6" height="{BOX_H}" rx="3" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 20:.0f}" font-weight="bold">'
            f'{escape(node.share.sharer.nickname[:10])}</text>'
            f'<text x="{x + 14:.0f}" y="{y + 38:.0f}" fill="{colour}">{escape(str(channel))}</text>'
            f'<text x="{x + 14:.0f}" y="{y + 55:.0f}" fill="#4e5969">{escape(stats)}</text>'
            f'</g>')
    parts.append("</svg>")
    return "".join(parts)
