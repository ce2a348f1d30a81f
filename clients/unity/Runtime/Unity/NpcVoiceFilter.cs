using Npc.Client;
using UnityEngine;

namespace Npc.Unity
{
    /// <summary>
    /// The voice's own AudioSource (a child of the NPC Character) plays a clip of constant 1.0;
    /// by the time it reaches this filter Unity has applied the source's volume, distance
    /// attenuation and 3D panning to it, so multiplying by the speech gives the speech all of
    /// them. The character's own AudioSource stays free for the game's other sounds.
    /// </summary>
    [AddComponentMenu("")] // added by NpcCharacter, not by hand
    [RequireComponent(typeof(AudioSource))]
    public sealed class NpcVoiceFilter : MonoBehaviour
    {
        internal SpeechPlayback Playback; // read on the audio thread

        void OnAudioFilterRead(float[] data, int channels)
        {
            var p = Playback;
            if (p != null) p.MixInto(data, channels);
            else System.Array.Clear(data, 0, data.Length);
        }

        /// <summary>Copy the character's AudioSource settings so the voice sounds from where it stands.</summary>
        internal static AudioSource Create(AudioSource template, int outputRate)
        {
            var go = new GameObject("npc voice");
            go.hideFlags = HideFlags.DontSave;
            go.transform.SetParent(template.transform, false);
            var source = go.AddComponent<AudioSource>();
            source.outputAudioMixerGroup = template.outputAudioMixerGroup;
            source.volume = template.volume;
            source.spatialBlend = template.spatialBlend;
            source.spatialize = template.spatialize;
            source.spread = template.spread;
            source.dopplerLevel = template.dopplerLevel;
            source.rolloffMode = template.rolloffMode;
            source.minDistance = template.minDistance;
            source.maxDistance = template.maxDistance;
            source.priority = template.priority;
            if (template.rolloffMode == AudioRolloffMode.Custom)
                source.SetCustomCurve(AudioSourceCurveType.CustomRolloff, template.GetCustomCurve(AudioSourceCurveType.CustomRolloff));
            var ones = new float[outputRate];
            for (var i = 0; i < ones.Length; i++) ones[i] = 1f;
            var clip = AudioClip.Create("npc-voice-gain", outputRate, 1, outputRate, false);
            clip.SetData(ones, 0);
            source.clip = clip;
            source.loop = true;
            go.AddComponent<NpcVoiceFilter>();
            source.Play();
            return source;
        }
    }
}
