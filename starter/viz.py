"""Block E: the graph of L = (a*b + c)*(a - c), drawn with Graphviz (the lab's skeleton)."""

from graphviz import Digraph

from minigrad import Value


def draw(root):
    # a Digraph with one record node {op | data | grad} per Value under root,
    # and an edge from each input to the Value it feeds
    raise NotImplementedError("Block E: draw")


if __name__ == "__main__":
    # build L from Values at a=2, b=3, c=4, call L.backward(), then render draw(L) as graph.svg
    raise NotImplementedError("Block E: build, backward and render")
