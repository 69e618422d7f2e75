// Every workflow the Flywheel worker serves.
export {};
