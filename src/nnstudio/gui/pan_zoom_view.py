"""A QGraphicsView that behaves like a map: drag pans, the wheel zooms around the cursor, a press and release
without dragging is a click, and the content re-fits on resize until the user takes over the view.

Subclasses implement `content_rect()`, `fit_margins()`, `clicked(pos)` and `hovered(pos)`; this module
knows nothing about networks.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView

DRAG_THRESHOLD = 4  # px of movement before a press becomes a pan instead of a click
WHEEL_NOTCH_ZOOM = 2 ** 0.25  # one notch (120/8 degrees): four notches double the size
MAX_FIT_SCALE = 1.4  # fitting a tiny network should not blow it up into huge circles
_NEIGHBOURS = (QPoint(1, 0), QPoint(-1, 0), QPoint(0, 1), QPoint(0, -1))


class PanZoomView(QGraphicsView):
    def __init__(self, parent=None):
        super().__init__(parent)
        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.NoIndex)  # a handful of big items: a BSP tree only costs
        self.setScene(scene)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.NoAnchor)  # zoom() keeps its own anchor
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        # The legend and labels are painted in viewport pixels; scrolling by blitting would smear them.
        # Items that only move are cached, so a full repaint is mostly blits.
        self.setViewportUpdateMode(QGraphicsView.FullViewportUpdate)
        self.viewport().setMouseTracking(True)
        self.min_scale, self.max_scale = 0.02, 40.0
        self.user_view = False  # True once the user zoomed or panned: then resizes keep their view
        self._press: QPointF | None = None
        self._last = QPointF()
        self._dragging = False

    # ---- hooks ---------------------------------------------------------------------------------
    def content_rect(self) -> QRectF:
        return self.scene().itemsBoundingRect()

    def fit_margins(self) -> tuple[float, float, float, float]:
        """Pixels to keep free (left, top, right, bottom) when fitting, e.g. for labels and a legend."""
        return 10.0, 10.0, 10.0, 10.0

    def clicked(self, pos: QPointF) -> None:
        pass

    def hovered(self, pos: QPointF | None) -> None:
        pass

    def scale_changed(self) -> None:
        """Called after fit() or zoom() changed the scale (pixel-sized decorations may need refreshing)."""

    # ---- geometry ------------------------------------------------------------------------------
    def scale_factor(self) -> float:
        return self.transform().m11()

    def to_scene(self, pos) -> QPointF:
        return self.viewportTransform().inverted()[0].map(QPointF(pos))

    def to_view(self, scene_point: QPointF) -> QPointF:
        return self.viewportTransform().map(scene_point)

    def reset_scene_rect(self) -> None:
        # Scroll bars can only pan within the scene rect, so make it far larger than the content: the
        # user can drag the network anywhere, at any zoom.
        r = self.content_rect()
        k = 100.0 * max(r.width(), r.height(), 1.0)
        self.setSceneRect(r.adjusted(-k, -k, k, k))

    def scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def fit(self) -> None:
        """Fit the content in the view, and follow resizes again."""
        r = self.content_rect()
        vp = self.viewport().rect()
        left, top, right, bottom = self.fit_margins()
        avail_w = max(vp.width() - left - right, 0.4 * vp.width(), 1.0)
        avail_h = max(vp.height() - top - bottom, 0.4 * vp.height(), 1.0)
        s = min(avail_w / max(r.width(), 1e-9), avail_h / max(r.height(), 1e-9), MAX_FIT_SCALE)
        self.min_scale = min(0.25 * s, self.max_scale)
        self.setTransform(QTransform.fromScale(s, s))
        target = QPointF(left + avail_w / 2, top + avail_h / 2)
        if avail_w + left + right > vp.width():  # margins did not fit: centre instead
            target.setX(vp.width() / 2)
        if avail_h + top + bottom > vp.height():
            target.setY(vp.height() / 2)
        now = self.to_view(r.center())
        self.scroll_by(now.x() - target.x(), now.y() - target.y())
        self.user_view = False
        self.scale_changed()

    def zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale by `factor` keeping the scene point under `anchor` (viewport px; default the centre) fixed."""
        old = self.scale_factor()
        new = min(max(old * factor, self.min_scale), self.max_scale)
        if new == old:
            return
        anchor = QPointF(anchor) if anchor is not None else QPointF(self.viewport().rect().center())
        fixed = self.to_scene(anchor)
        self.setTransform(QTransform.fromScale(new, new))
        moved = self.to_view(fixed)
        self.scroll_by(moved.x() - anchor.x(), moved.y() - anchor.y())
        self.user_view = True
        self.scale_changed()

    def center_on_point(self, scene_point: QPointF) -> None:
        now = self.to_view(scene_point)
        c = QPointF(self.viewport().rect().center())
        self.scroll_by(now.x() - c.x(), now.y() - c.y())
        self.user_view = True

    def reachable_point(self, candidates, hits, avoid: QRectF | None = None, attempts: int = 24) -> QPoint | None:
        """A viewport point among `candidates()` (scene points, best first) where `hits(point)` holds, as a
        user would find one: scroll the first into view if none is visible, zoom in on it while none
        hits. A point whose 1 px neighbours also hit is preferred, so a jittery hand still hits it."""
        for _ in range(attempts):
            area = self.viewport().rect().adjusted(2, 2, -2, -2)
            points = [self.to_view(c).toPoint() for c in candidates()]
            visible = [q for q in points if area.contains(q) and not (avoid is not None and avoid.contains(QPointF(q)))]
            good = [q for q in visible if hits(q)]
            for q in good:
                if all(hits(q + d) for d in _NEIGHBOURS):
                    return q
            if good:
                return good[0]
            if not visible:
                self.center_on_point(candidates()[0])
            elif self.scale_factor() < self.max_scale:
                self.zoom(2.0, QPointF(visible[0]))
            else:
                return None
        return None

    # ---- events -------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.user_view:
            self.fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.user_view:
            self.fit()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom(WHEEL_NOTCH_ZOOM ** (delta / 120.0), event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() in (Qt.LeftButton, Qt.MiddleButton):
            self._press = event.position()
            self._last = event.position()
            self._dragging = False
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.mousePressEvent(event)  # two quick clicks are two clicks here, not a different gesture

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._press is not None and event.buttons() & (Qt.LeftButton | Qt.MiddleButton):
            if not self._dragging and (pos - self._press).manhattanLength() >= DRAG_THRESHOLD:
                self._dragging = True
                self.viewport().setCursor(Qt.ClosedHandCursor)
                self.hovered(None)
            if self._dragging:
                d = pos - self._last
                self.scroll_by(-d.x(), -d.y())
                self._last = pos
                self.user_view = True
            event.accept()
            return
        self.hovered(pos)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._press is None or event.button() not in (Qt.LeftButton, Qt.MiddleButton):
            super().mouseReleaseEvent(event)
            return
        was_click = not self._dragging and event.button() == Qt.LeftButton
        self._press, self._dragging = None, False
        self.viewport().unsetCursor()
        event.accept()
        if was_click:
            self.clicked(event.position())
        self.hovered(event.position())

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Leave:
            self.hovered(None)
        return super().viewportEvent(event)
