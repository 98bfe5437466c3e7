export function App() {
  return <h1>Hookrail</h1>;
}
