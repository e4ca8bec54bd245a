/** File names inside a trainer checkpoint (native/labforge_trainer/checkpoint.py: MANIFEST_FILE, STATE_FILE). */
export const CHECKPOINT_MANIFEST = 'labforge_checkpoint.json';
export const CHECKPOINT_STATE = 'trainer_state.json';
