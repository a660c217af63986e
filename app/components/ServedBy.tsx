// The footer line that says which node rendered the page (several nodes can serve one site).
export function ServedBy({ node }: { node: string }) {
  return (
    <footer className="site-footer">
      <p data-testid="node">
        Served by node <code>{node}</code>
      </p>
    </footer>
  );
}
