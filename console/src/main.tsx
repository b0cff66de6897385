import { render } from "preact";
import { App } from "./app";
import { loadConfig } from "./config";
import "./styles.css";

const root = document.getElementById("app") as HTMLElement;

loadConfig().then(
  (config) => render(<App config={config} />, root),
  (err: unknown) => {
    // Rendered as text: the message may quote a server answer.
    const main = document.createElement("main");
    const h1 = document.createElement("h1");
    h1.textContent = "The console cannot start";
    const p = document.createElement("p");
    p.textContent = err instanceof Error ? err.message : String(err);
    main.append(h1, p);
    root.replaceChildren(main);
  },
);
