import { app } from "./app.js";

export { UserHub } from "../durable-objects/user-hub.js";
export default app;
