import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { adoptTokenFromUrl, listenForHostToken } from "./lib/session.js";
import "./styles.css";

adoptTokenFromUrl();
listenForHostToken();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
