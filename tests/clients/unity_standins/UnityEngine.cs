// Test double: the slice of Unity's scripting API that clients/unity/Runtime/Unity and the
// sample use, with the signatures of Unity's documentation (2021.3 - 6000.0), and no
// behaviour. It lets mcs type-check the engine layer here, where there is no editor; it says
// nothing about what Unity does at run time.
#pragma warning disable 0067, 0649, 0169, 0414
using System;

namespace UnityEngine.Audio
{
    public class AudioMixerGroup : Object { }
}

namespace UnityEngine.Events
{
    public class UnityEvent { public void Invoke() { } public void AddListener(Action a) { } public void RemoveListener(Action a) { } }
    public class UnityEvent<T0> { public void Invoke(T0 a) { } public void AddListener(Action<T0> a) { } public void RemoveListener(Action<T0> a) { } }
    public class UnityEvent<T0, T1> { public void Invoke(T0 a, T1 b) { } public void AddListener(Action<T0, T1> a) { } public void RemoveListener(Action<T0, T1> a) { } }
}

namespace UnityEngine
{
    public class Object
    {
        public string name { get; set; }
        public HideFlags hideFlags { get; set; }
        public static void Destroy(Object o) { }
        public static implicit operator bool(Object o) { return !ReferenceEquals(o, null); }
    }

    [Flags] public enum HideFlags { None = 0, DontSave = 52 }

    public class Component : Object
    {
        public GameObject gameObject { get { return null; } }
        public Transform transform { get { return null; } }
        public T GetComponent<T>() { return default(T); }
    }

    public class Behaviour : Component { public bool enabled { get; set; } public bool isActiveAndEnabled { get { return true; } } }
    public class MonoBehaviour : Behaviour { }

    public class Transform : Component { public void SetParent(Transform parent, bool worldPositionStays) { } }

    public class GameObject : Object
    {
        public GameObject(string name) { }
        public Transform transform { get { return null; } }
        public T AddComponent<T>() where T : Component { return null; }
        public T GetComponent<T>() { return default(T); }
    }

    public enum AudioRolloffMode { Logarithmic, Linear, Custom }
    public enum AudioSourceCurveType { CustomRolloff, SpatialBlend, ReverbZoneMix, Spread }
    public class AnimationCurve { }

    public class AudioClip : Object
    {
        public int samples { get { return 0; } }
        public int channels { get { return 1; } }
        public int frequency { get { return 48000; } }
        public static AudioClip Create(string name, int lengthSamples, int channels, int frequency, bool stream) { return null; }
        public bool GetData(float[] data, int offsetSamples) { return true; }
        public bool SetData(float[] data, int offsetSamples) { return true; }
    }

    public class AudioSource : Behaviour
    {
        public AudioClip clip { get; set; }
        public bool loop { get; set; }
        public bool isPlaying { get { return false; } }
        public float volume { get; set; }
        public float spatialBlend { get; set; }
        public bool spatialize { get; set; }
        public float spread { get; set; }
        public float dopplerLevel { get; set; }
        public AudioRolloffMode rolloffMode { get; set; }
        public float minDistance { get; set; }
        public float maxDistance { get; set; }
        public int priority { get; set; }
        public Audio.AudioMixerGroup outputAudioMixerGroup { get; set; }
        public void Play() { }
        public void Stop() { }
        public AnimationCurve GetCustomCurve(AudioSourceCurveType type) { return null; }
        public void SetCustomCurve(AudioSourceCurveType type, AnimationCurve curve) { }
    }

    public static class AudioSettings { public static int outputSampleRate { get { return 48000; } } }

    public static class Microphone
    {
        public static string[] devices { get { return new string[0]; } }
        public static AudioClip Start(string deviceName, bool loop, int lengthSec, int frequency) { return null; }
        public static void End(string deviceName) { }
        public static bool IsRecording(string deviceName) { return false; }
        public static int GetPosition(string deviceName) { return 0; }
        public static void GetDeviceCaps(string deviceName, out int minFreq, out int maxFreq) { minFreq = 0; maxFreq = 0; }
    }

    public class Mesh : Object
    {
        public int blendShapeCount { get { return 0; } }
        public string GetBlendShapeName(int shapeIndex) { return ""; }
    }

    public class Renderer : Component { }
    public class SkinnedMeshRenderer : Renderer
    {
        public Mesh sharedMesh { get; set; }
        public void SetBlendShapeWeight(int index, float value) { }
    }

    public static class Debug
    {
        public static void Log(object message, Object context = null) { }
        public static void LogWarning(object message, Object context = null) { }
        public static void LogError(object message, Object context = null) { }
        public static void LogException(Exception exception) { }
    }

    public static class Time
    {
        public static float deltaTime { get { return 0; } }
        public static float realtimeSinceStartup { get { return 0; } }
    }

    public static class Mathf { public static float Exp(float power) { return (float)Math.Exp(power); } }
    public static class Screen { public static int height { get { return 0; } } }
    public struct Vector2 { public float x, y; }
    public struct Rect { public Rect(float x, float y, float width, float height) { } }
    public enum KeyCode { None, Return }
    public enum EventType { KeyDown }
    public class Event { public static Event current { get { return null; } } public EventType type; public KeyCode keyCode; }
    public class GUIStyle { }
    public class GUISkin { public GUIStyle box { get { return null; } } }
    public static class GUI { public static GUISkin skin { get { return null; } } }
    public class GUILayoutOption { }

    public static class GUILayout
    {
        public static void BeginArea(Rect screenRect, GUIStyle style) { }
        public static void EndArea() { }
        public static Vector2 BeginScrollView(Vector2 scrollPosition, params GUILayoutOption[] options) { return scrollPosition; }
        public static void EndScrollView() { }
        public static void BeginHorizontal(params GUILayoutOption[] options) { }
        public static void EndHorizontal() { }
        public static void Label(string text, params GUILayoutOption[] options) { }
        public static bool Button(string text, params GUILayoutOption[] options) { return false; }
        public static string TextField(string text, int maxLength, params GUILayoutOption[] options) { return text; }
        public static bool Toggle(bool value, string text, params GUILayoutOption[] options) { return value; }
        public static GUILayoutOption Width(float width) { return null; }
        public static GUILayoutOption Height(float height) { return null; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute { public RequireComponent(Type requiredComponent) { } }
    public sealed class AddComponentMenu : Attribute { public AddComponentMenu(string menuName) { } }
    public sealed class DefaultExecutionOrder : Attribute { public DefaultExecutionOrder(int order) { } }
    public sealed class HeaderAttribute : Attribute { public HeaderAttribute(string header) { } }
    public sealed class TooltipAttribute : Attribute { public TooltipAttribute(string tooltip) { } }
    public sealed class RangeAttribute : Attribute { public RangeAttribute(float min, float max) { } }
    public sealed class ContextMenu : Attribute { public ContextMenu(string itemName) { } }
}
